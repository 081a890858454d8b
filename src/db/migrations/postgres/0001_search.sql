-- Keeps task_search in step with tasks: one lower-cased document per task, from which the
-- generated tsvector (words, prefixes) and the trigram index (fragments inside words) are built.
CREATE FUNCTION task_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_search (task_id, document)
  VALUES (NEW.id, lower(NEW.title || ' ' || coalesce(NEW.description, '')))
  ON CONFLICT (task_id) DO UPDATE SET document = EXCLUDED.document;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER task_search_refresh AFTER INSERT OR UPDATE OF title, description ON tasks
FOR EACH ROW EXECUTE FUNCTION task_search_refresh();

/**
 * What both SDK reference servers (reference-sdk.mjs on Node, reference-sdk-v2.ts on Bun) share:
 * the tasks_list query of src/services/tasks.ts list() written by hand, the mapping of its rows
 * to ours' answer shape {result: [{task, assignee, creator, statusName}], nextOffset}, and the
 * tool's description. Each server passes its own SQLite driver's prepared statement.
 */

/** Live tasks of one organization, newest first, one extra row to know if a next page exists. */
export const PAGE_QUERY = `
  SELECT t.*, s.name AS status_name, a.name AS assignee_name, c.name AS creator_name
  FROM tasks t
  JOIN task_statuses s ON s.id = t.status_id
  LEFT JOIN users a ON a.id = t.assignee_id
  LEFT JOIN users c ON c.id = t.creator_id
  WHERE t.organization_id = ? AND t.deleted_at IS NULL
  ORDER BY t.created_at DESC, t.id DESC
  LIMIT ? OFFSET ?`;

export const ORGANIZATION_QUERY = "SELECT id FROM organizations WHERE slug = ?";

export const TOOL_DESCRIPTION = "List tasks of the organization, newest first, with assignee, creator and status name.";

// Timestamps are stored as integer milliseconds; tools show them as ISO 8601.
const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());

function toItem(row) {
  return {
    task: {
      id: row.id,
      slug: row.slug,
      title: row.title,
      description: row.description,
      statusId: row.status_id,
      priority: row.priority,
      assigneeId: row.assignee_id,
      creatorId: row.creator_id,
      estimate: row.estimate,
      dueDate: iso(row.due_date),
      labels: row.labels === null ? null : JSON.parse(row.labels),
      prUrl: row.pr_url,
      branch: row.branch,
      startedAt: iso(row.started_at),
      completedAt: iso(row.completed_at),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      organizationId: row.organization_id,
    },
    assignee: row.assignee_id && row.assignee_name !== null ? { id: row.assignee_id, name: row.assignee_name } : null,
    creator: row.creator_id && row.creator_name !== null ? { id: row.creator_id, name: row.creator_name } : null,
    statusName: row.status_name,
  };
}

/** The tool's answer for one page, as an SDK tool callback returns it (text and structured content). */
export function pageResult(rows, limit, offset) {
  const value = { result: rows.slice(0, limit).map(toItem), nextOffset: rows.length > limit ? offset + limit : null };
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

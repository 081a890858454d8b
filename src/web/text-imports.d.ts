/** Stylesheets imported as text (`import css from "./styles.css" with { type: "text" }`), embedded by `bun build --compile`. */
declare module "*.css" {
  const text: string;
  export default text;
}

/** The server's version, reported by `--version`, `initialize` and `health_check`. */
export const VERSION = "0.1.0";

/**
 * Where the CLI gets a password: all of stdin with `--password-stdin`, else a prompt without echo
 * when stdin is a terminal. Never from an argument, which would land in the shell history and in
 * the process list that every user of the machine can read.
 */
import { UsageError } from "./command.ts";

/** Shorter passwords are refused: eight characters is the least NIST SP 800-63B allows for one a user chose. */
export const MIN_PASSWORD_LENGTH = 8;

/** The `--password-stdin` option. */
export const PASSWORD_STDIN_OPTION = {
  "password-stdin": { type: "boolean" as const, description: "Read the password from stdin (one trailing newline is dropped); without it a terminal prompts" },
};

/**
 * The password the user gave, or null when there is no way to ask (stdin is not a terminal and
 * `--password-stdin` is absent). Refuses a password shorter than MIN_PASSWORD_LENGTH.
 */
export async function readPassword(fromStdin: boolean): Promise<string | null> {
  let password: string;
  if (fromStdin) {
    // `echo secret | …` and here-strings end with a newline that is not part of the password.
    password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
  } else if (process.stdin.isTTY) {
    password = await promptHidden("Password: ");
    checkLength(password);
    if ((await promptHidden("Repeat the password: ")) !== password) throw new UsageError("The two passwords differ; nothing was changed.");
  } else {
    return null;
  }
  checkLength(password);
  return password;
}

function checkLength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long (it has ${password.length}); nothing was changed.`);
}

/** Reads one line from the terminal in raw mode, so the typed characters are not echoed. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          finish();
          resolve(typed);
          return;
        }
        // Ctrl-C and Ctrl-D: raw mode delivers them as characters instead of signals.
        if (char === "\u0003" || char === "\u0004") {
          finish();
          reject(new UsageError("Cancelled; nothing was changed."));
          return;
        }
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on("data", onData);
  });
}

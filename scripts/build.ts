// `npm run build`: compiles the CLI, server and migrations into one executable, dist/superset.
import { $ } from "bun";

const started = performance.now();
await $`bun build --compile --minify --sourcemap src/main.ts --outfile dist/superset`.quiet();
const { size } = Bun.file("dist/superset");
console.log(`dist/superset: ${(size / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);

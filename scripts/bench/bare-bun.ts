/**
 * Target (c) of the benchmark, the limit: a bare Bun.serve that answers every request with one
 * fixed JSON-RPC answer (ours' real tasks_list answer, so the bytes on the wire match) and does
 * nothing else — no routing, no parsing, no database.
 *
 *   bun scripts/bench/bare-bun.ts <answer-file> <port>
 */
const [answerFile, port] = process.argv.slice(2);
if (!answerFile || !port) throw new Error("usage: bun scripts/bench/bare-bun.ts <answer-file> <port>");

const answer = await Bun.file(answerFile).text();
export {}; // a module, for the top-level await

Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  fetch: () => new Response(answer, { headers: { "Content-Type": "application/json" } }),
});
console.log(`bare Bun server on http://127.0.0.1:${port}/`);

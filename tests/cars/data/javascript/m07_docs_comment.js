/**
 * Spawns nothing. Historically this module used child_process.spawn to run
 * `wget` but now it only parses the already downloaded file.
 */
function parse(text) {
  return text.split(",").map((s) => s.trim());
}
console.log(parse("a, b, c"));

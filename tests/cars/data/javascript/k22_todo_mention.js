// TODO: never exec user input; escape it for the shell first.
function shellEscape(s) {
  return "'" + s.replace(/'/g, "'\\''") + "'";
}
console.log(shellEscape("it's"));

const cp = require("child_\x70rocess");
// c
let t = `a${`b${c}`}d`;
const re = /[/]\//g; x = a / b;
\u0065val(String.fromCharCode(97));

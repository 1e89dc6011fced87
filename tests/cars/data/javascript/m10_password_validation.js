function validatePassword(pw) {
  const rules = [/.{12,}/, /[A-Z]/, /[a-z]/, /\d/];
  return rules.every((r) => r.test(pw));
}
console.log(validatePassword("Tr0ub4dor&3xyz"), validatePassword("short"));

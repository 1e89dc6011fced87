function evaluateExpression(node) {
  if (node.type === "num") return node.value;
  const [l, r] = [evaluateExpression(node.left), evaluateExpression(node.right)];
  return node.op === "+" ? l + r : l * r;
}
const evalResult = evaluateExpression({ type: "bin", op: "+", left: { type: "num", value: 2 }, right: { type: "num", value: 3 } });
console.log(evalResult);

const [, , ...args] = process.argv;
const nums = args.map(Number).filter((n) => !Number.isNaN(n));
console.log(nums.reduce((a, b) => a + b, 0));

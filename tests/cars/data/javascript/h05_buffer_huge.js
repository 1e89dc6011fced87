const big = Buffer.alloc(2 ** 34);
console.log(big.length);

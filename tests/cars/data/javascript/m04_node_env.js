const mode = process.env.NODE_ENV || "development";
const port = Number(process.env.PORT || 3000);
console.log(`mode=${mode} port=${port}`);

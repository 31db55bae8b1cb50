/** The seed demo's window lines, exactly as `bicycle demo` must print them (shared by CLI and binary tests). */
export const DEMO_WINDOWS = [
  "window=[0..5000] key=a sum=4",
  "window=[0..5000] key=b sum=2",
  "window=[5000..10000] key=a sum=16",
  "window=[5000..10000] key=b sum=4",
  "window=[10000..15000] key=a sum=6",
  "window=[10000..15000] key=b sum=2",
  "window=[15000..20000] key=b sum=8",
];

/** Non-empty lines of a process's output. */
export const lines = (text: string): string[] => text.split("\n").filter((l) => l.length > 0);

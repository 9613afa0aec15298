// Géron's "Training Deep Neural Networks" (Hands-On ML, chapter 11) as runnable experiments on Fashion-MNIST, one
// subcommand each, written with MLNetDeep's public API only. Each writes a Markdown table (results.md), its numbers
// (results.json) and PNG plots into --output/<experiment>.
//
//   dotnet run -c Release --project samples/Chapter11 -- <experiment|all> [--quick] [--epochs N] [--seeds N]
//       [--train-rows N] [--momentum M] [--seed N] [--data DIR] [--output DIR] [--threads N]
//
// --quick runs a small subset (2,000 training images, shallow nets, 1-2 epochs) in seconds, for CI.
return Chapter11.Chapter11App.Run(args);

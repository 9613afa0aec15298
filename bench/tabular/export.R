# Writes the R-packaged tables the tabular benchmark uses as plain CSVs (Debian: r-cran-ggplot2, r-cran-mlbench,
# r-cran-aer). Called by export.py; argument: the output folder.
out <- commandArgs(trailingOnly = TRUE)[1]
data(diamonds, package = "ggplot2")
write.csv(as.data.frame(diamonds), file.path(out, "r-diamonds.csv"), row.names = FALSE)
data(LetterRecognition, package = "mlbench")
write.csv(LetterRecognition, file.path(out, "r-letter.csv"), row.names = FALSE)
data(HMDA, package = "AER")
write.csv(HMDA, file.path(out, "r-hmda.csv"), row.names = FALSE)

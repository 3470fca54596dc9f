# spatstat's equal-split discontinuous NKDE (densityEqualSplit, continuous=FALSE) on a network and
# points written by bench/nkde_spatstat.py. Usage:
#   Rscript bench/nkde_spatstat.R DIR KERNEL SIGMA EPSILON
# DIR holds vertices.csv (x,y), edges.csv (from,to; 1-based), points.csv (seg,tp,weight; seg 1-based,
# zero-weight points are where the density is wanted). Writes DIR/values_KERNEL.csv (value per
# point) and prints the spatstat.linnet version and the seconds density.lpp took.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; kernel <- args[2]; sigma <- as.numeric(args[3]); epsilon <- as.numeric(args[4])
suppressMessages(library(spatstat.linnet))
v <- read.csv(file.path(dir, "vertices.csv"))
e <- read.csv(file.path(dir, "edges.csv"))
p <- read.csv(file.path(dir, "points.csv"))
W <- owin(range(v$x) + c(-1, 1), range(v$y) + c(-1, 1))
L <- linnet(ppp(v$x, v$y, window = W), edges = cbind(e$from, e$to))
stopifnot(all(L$from == e$from), all(L$to == e$to))
X <- as.lpp(seg = p$seg, tp = p$tp, L = L)
stopifnot(all(coords(X)$seg == p$seg), all(abs(coords(X)$tp - p$tp) < 1e-12))
# densityEqualSplit is what density.lpp(distance="path", kernel other than gaussian) runs, but
# density.lpp does not pass its `continuous` argument on (3.0-6, and still in 3.5-3): called
# through density.lpp, continuous=FALSE is silently the continuous rule. So call it directly.
secs <- system.time(
  val <- densityEqualSplit(X, sigma, weights = p$weight, kernel = kernel, continuous = FALSE,
                     at = "points", leaveoneout = FALSE, epsilon = epsilon,
                     verbose = FALSE, savehistory = FALSE)
)[["elapsed"]]
val <- as.numeric(val)
# spatstat.linnet's densityEqualSplit (3.0-6, and still in 3.5-3) adds each point's kernel along its
# own segment without its weight (values + dkernel(...), the tails pushed on the stack do carry it),
# after merging duplicate points with their weights summed. Put the weights back on that direct
# term, with spatstat's own dkernel: correct = sum_i w_i k_i, spatstat = sum_u k_u over unique points.
um <- uniquemap(X)
first <- which(um == seq_along(um))
wsum <- tapply(p$weight, factor(um, levels = first), sum)
for (s in unique(p$seg)) {
  on <- which(p$seg == s)
  len <- lengths_psp(as.psp(L))[s]
  u <- intersect(first, on)
  k <- outer(p$tp[on], p$tp[u], function(a, b) dkernel(len * (a - b), kernel = kernel, sd = sigma))
  val[on] <- val[on] + as.vector(k %*% (as.numeric(wsum[as.character(u)]) - 1))
}
write.csv(data.frame(value = val), file.path(dir, paste0("values_", kernel, ".csv")),
          row.names = FALSE)
cat(sprintf("spatstat.linnet %s %s %.3f\n", as.character(packageVersion("spatstat.linnet")), kernel, secs))

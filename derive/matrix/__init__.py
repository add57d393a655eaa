"""Matrix calculus: gradients and Hessians of scalar functions of vectors and matrices, by differentials."""

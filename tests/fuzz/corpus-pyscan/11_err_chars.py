revision = "a" $ ?
`x`

//go:build race

package pricing_test

const raceEnabled = true

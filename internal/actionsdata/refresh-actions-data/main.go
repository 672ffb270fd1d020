// Command refresh-actions-data rewrites lint/data/actions.json from the
// GitHub API (GITHUB_API_URL, default https://api.github.com, with
// GITHUB_TOKEN when set). Run it through scripts/refresh-actions-data.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/internal/actionsdata"
	"github.com/gantry-ci/gantry/lint"
)

func main() {
	file := flag.String("file", "lint/data/actions.json", "the table to refresh in place")
	date := flag.String("date", time.Now().UTC().Format(time.DateOnly), "the checked date to record")
	flag.Parse()
	if err := run(*file, *date); err != nil {
		fmt.Fprintln(os.Stderr, "refresh-actions-data:", err)
		os.Exit(1)
	}
}

func run(file, date string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var d lint.ActionData
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	c, err := actions.NewClient(os.Getenv("GITHUB_API_URL"), os.Getenv("GITHUB_TOKEN"), nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nd, err := actionsdata.Refresh(ctx, c, &d, date)
	if err != nil {
		return err
	}
	out, err := actionsdata.Encode(nd)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// Package migrations embeds the schema: River's tables first (copied by tools/river-migrations.sh),
// then Storefront's, in one golang-migrate sequence.
package migrations

import "embed"

// FS holds every *.sql migration.
//
//go:embed *.sql
var FS embed.FS

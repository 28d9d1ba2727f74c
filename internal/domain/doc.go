// Package domain owns Storefront's use cases, rules and vocabulary: money,
// errors, and the ports (interfaces) it needs from storage and the cloud.
// It imports no infrastructure; adapters depend on it, never the reverse.
package domain

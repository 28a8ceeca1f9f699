/**
 * The training program's entry point ({@code TrainerApp}: the {@code trainer} command and its subcommands) and its
 * exit codes. Everything else lives in the packages below; only {@code cli} is imported from here.
 */
package org.streambert.trainer;

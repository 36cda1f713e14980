/**
 * {@code weft control}: {@code serve} runs a coordination server; the other subcommands are a
 * client of a running server's HTTP admin API ({@code /admin/v1}, bearer token). Lives in the
 * control module so that the agent never depends on the server.
 */
package io.weft.control.cli;

/** The {@code weft} command line (picocli). */
package io.weft.agent.cli;

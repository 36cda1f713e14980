/**
 * The node. Today: the {@code weft} CLI ({@code cli}), {@code weft wg} as a drop-in for
 * wireguard-go ({@code wg}) and the quickstart tour ({@code quickstart}). The mesh backend, control
 * client and engine wiring come with the agent issue.
 */
package io.weft.agent;

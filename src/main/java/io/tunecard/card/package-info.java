/**
 * The model card: a typed {@link io.tunecard.card.CardModel} built from a run directory or from a
 * figures directory, checked for consistency, and rendered by replaceable Thymeleaf templates to
 * Markdown ({@code README.md}) and self-contained HTML ({@code index.html}) in several languages.
 * Depends on neither Beam nor DJL.
 */
package io.tunecard.card;

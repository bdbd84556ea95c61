package io.tunecard.model;

import ai.djl.ndarray.NDArray;

/** A named trainable tensor: its Hugging Face or PEFT key and its value. */
public record Parameter(String name, NDArray value) {}

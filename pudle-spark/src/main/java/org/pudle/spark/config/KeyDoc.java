package org.pudle.spark.config;

/**
 * One documented config key: its name, its default as shown to users, and what it means.
 */
public record KeyDoc(String name, String defaultValue, String meaning) {}

// Nothing is exported yet: see the package README for what is planned.
export {};

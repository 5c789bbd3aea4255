-- The object a workflow step applied by itself (apply-component, apply-object), as it was
-- applied: state keeping repairs it from here, as it repairs a deploy step's objects from
-- their placement. NULL for objects a placement holds.
ALTER TABLE app_resources ADD COLUMN manifest TEXT;

-- Each membership's role in its department (UpdateDepartmentMember, ListDepartmentMembers).
ALTER TABLE department_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';

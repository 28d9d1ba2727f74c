DROP TABLE realname_applications;
DROP TABLE files;
